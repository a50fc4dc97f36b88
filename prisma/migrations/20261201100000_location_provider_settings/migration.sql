-- Location provider drivers: a location's provider-specific settings (the S3 columns until now) move into typed JSON
-- (validated by the provider's driver in server/storage/providers), and a credential keeps its kind in `config`.
-- Existing rows keep their values.

-- Location: bucket, prefix, region, endpoint, pathStyle and caBundle → "config" (caBundle only when set).
ALTER TABLE "Location" ADD COLUMN "config" JSONB;
UPDATE "Location" SET "config" = jsonb_build_object(
    'bucket', "bucket",
    'prefix', "prefix",
    'region', "region",
    'endpoint', "endpoint",
    'pathStyle', "pathStyle"
) || CASE WHEN "caBundle" IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('caBundle', "caBundle") END;
ALTER TABLE "Location" ALTER COLUMN "config" SET NOT NULL;
ALTER TABLE "Location" DROP COLUMN "bucket",
DROP COLUMN "prefix",
DROP COLUMN "region",
DROP COLUMN "endpoint",
DROP COLUMN "pathStyle",
DROP COLUMN "caBundle";

-- Credential: every credential so far is an AWS access key pair.
ALTER TABLE "Credential" ADD COLUMN "config" JSONB;
UPDATE "Credential" SET "config" = jsonb_build_object('kind', 'AWS_ACCESS_KEY') WHERE "provider" = 'AWS';
ALTER TABLE "Credential" ALTER COLUMN "config" SET NOT NULL;
