# The web page is built in its own stage (Vite and React are dev dependencies); the image keeps
# only its output, which the API serves at /.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
COPY --from=web /app/web/dist ./web/dist
# The workflow bundle is built into the image (.data/workflow-bundle/<hash>.js): workers poll at once.
RUN npm run build:worker && chown -R node:node .data
USER node
CMD ["npm", "run", "api"]
