-- CreateTable
CREATE TABLE "LessonPosition" (
    "learnerId" TEXT NOT NULL,
    "lessonSlug" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "seenAt" DATETIME NOT NULL,

    PRIMARY KEY ("learnerId", "lessonSlug"),
    CONSTRAINT "LessonPosition_learnerId_fkey" FOREIGN KEY ("learnerId") REFERENCES "Learner" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

