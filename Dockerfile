FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The workflow bundle is built into the image (.data/workflow-bundle/<hash>.js): workers poll at once.
RUN npm run build && chown -R node:node .data
USER node
CMD ["npm", "run", "api"]
