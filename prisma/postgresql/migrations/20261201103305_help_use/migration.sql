-- CreateTable
CREATE TABLE "HelpUse" (
    "id" SERIAL NOT NULL,
    "learnerId" TEXT NOT NULL,
    "lessonSlug" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HelpUse_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HelpUse_learnerId_lessonSlug_stepId_kind_index_key" ON "HelpUse"("learnerId", "lessonSlug", "stepId", "kind", "index");

-- AddForeignKey
ALTER TABLE "HelpUse" ADD CONSTRAINT "HelpUse_learnerId_fkey" FOREIGN KEY ("learnerId") REFERENCES "Learner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

