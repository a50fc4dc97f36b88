-- Azure Blob target locations and Azure credentials (#11 §2). An enum value added here cannot be used in the same
-- transaction, and nothing here uses it.
ALTER TYPE "CredentialProvider" ADD VALUE 'AZURE';
ALTER TYPE "LocationProvider" ADD VALUE 'AZURE_BLOB';
