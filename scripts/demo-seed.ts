// `npm run demo` runs this after the console has migrated: the demo's content, through the console's audited
// procedures (scripts/lib/seed-demo.ts).
import fs from "node:fs";
import { createDb } from "../server/db/client";
import { seedDemo, type DemoSandbox } from "./lib/seed-demo";

const sandboxJson = process.argv[2];
const adminEmail = process.env.LIFEBOAT_ADMIN_EMAIL?.toLowerCase();
if (!process.env.DATABASE_URL || !sandboxJson || !adminEmail) {
  console.error("usage: DATABASE_URL=… LIFEBOAT_ADMIN_EMAIL=… tsx scripts/demo-seed.ts <sandbox.json>");
  process.exit(2);
}
const db = createDb(process.env.DATABASE_URL);
// The console bootstraps the admin as it starts: wait for it (up to a minute).
for (let i = 0; i < 120 && !(await db.user.findUnique({ where: { email: adminEmail } })); i++)
  await new Promise((r) => setTimeout(r, 500));
const sandbox = JSON.parse(fs.readFileSync(sandboxJson, "utf8")) as DemoSandbox;
await seedDemo(db, { sandbox, adminEmail });
await db.$disconnect();
