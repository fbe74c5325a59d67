-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CheckAttempt" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "learnerId" TEXT NOT NULL,
    "lessonSlug" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "result" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "origin" TEXT NOT NULL DEFAULT 'unknown',
    CONSTRAINT "CheckAttempt_learnerId_fkey" FOREIGN KEY ("learnerId") REFERENCES "Learner" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_CheckAttempt" ("createdAt", "id", "learnerId", "lessonSlug", "passed", "result", "stepId") SELECT "createdAt", "id", "learnerId", "lessonSlug", "passed", "result", "stepId" FROM "CheckAttempt";
DROP TABLE "CheckAttempt";
ALTER TABLE "new_CheckAttempt" RENAME TO "CheckAttempt";
CREATE INDEX "CheckAttempt_learnerId_lessonSlug_idx" ON "CheckAttempt"("learnerId", "lessonSlug");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

