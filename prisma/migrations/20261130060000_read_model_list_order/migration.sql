-- CreateIndex
CREATE INDEX "VeleroObject_kind_createdAt_id_idx" ON "VeleroObject"("kind", "createdAt" DESC, "id");
