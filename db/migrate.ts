import { loadConfig, fatal, checkDatabase, createSql, migrate } from '../infra/index.js';

/** `npm run migrate`: applies pending migrations and exits (docker-compose's one-shot service). */
async function main(): Promise<void> {
  const config = loadConfig();
  const sql = createSql(config.databaseUrl, { max: 1 });
  await checkDatabase(sql, config.databaseUrl);
  const applied = await migrate(sql);
  process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
  await sql.end();
}

main().catch(fatal);
