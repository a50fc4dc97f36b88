# syntax=docker/dockerfile:1
# Lifeboat's console image: Next's standalone server as a non-root user, no dev dependencies, no compilers. The same
# image runs the migration Job (deploy/base/migrate-job.yaml: `node migrate/scripts/migrate.mjs`).
#   docker build -t lifeboat:0.1.0 .
# README, "Running in production", says how it is deployed. Node: package.json's engines (>=20.19 <21 || >=22.12).
ARG NODE_IMAGE=node:22-bookworm-slim

# Every dependency, for the build. `npm ci` refuses this lockfile (the registry lacks some platforms' @next/swc-*
# packages, so the lockfile has no entry for them); `npm install` with the lockfile installs exactly what it pins.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --ignore-scripts

# The build: Prisma's client, then Next's standalone output (LIFEBOAT_STANDALONE=1, next.config.js).
FROM deps AS build
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1 LIFEBOAT_STANDALONE=1
RUN npx prisma generate && npx next build

# What the migration Job needs and nothing else: Prisma's CLI, the offline schema engine (scripts/
# schema-engine-wasm-shim.mjs, over @prisma/schema-engine-wasm) and pg, at the versions the lockfile pins.
FROM ${NODE_IMAGE} AS migrate
WORKDIR /migrate
COPY package.json package-lock.json ./
RUN node -e ' \
  const fs = require("fs"); const p = require("./package.json"); \
  const keep = ["prisma", "pg", "@prisma/schema-engine-wasm", "@prisma/adapter-pg", "@prisma/driver-adapter-utils"]; \
  p.dependencies = Object.fromEntries(keep.map((k) => [k, p.dependencies[k]])); delete p.devDependencies; \
  delete p.scripts; fs.writeFileSync("package.json", JSON.stringify(p, null, 2));' \
  && npm install --omit=dev --no-audit --no-fund --ignore-scripts \
  && npm cache clean --force
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/migrate.mjs scripts/schema-engine-wasm-shim.mjs ./scripts/

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOSTNAME=0.0.0.0 PORT=3000 LIFEBOAT_LISTEN_HOST=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the console (the Deployment mounts a writable emptyDir at /app/.next/cache and /tmp).
COPY --from=build /src/.next/standalone ./
COPY --from=build /src/.next/static ./.next/static
COPY --from=migrate /migrate ./migrate
# The node user of the official image (uid 1000); the Deployment also says runAsNonRoot.
USER 1000:1000
EXPOSE 3000
CMD ["node", "server.js"]
