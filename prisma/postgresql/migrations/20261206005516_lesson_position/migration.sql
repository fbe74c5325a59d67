-- CreateTable
CREATE TABLE "LessonPosition" (
    "learnerId" TEXT NOT NULL,
    "lessonSlug" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LessonPosition_pkey" PRIMARY KEY ("learnerId","lessonSlug")
);

-- AddForeignKey
ALTER TABLE "LessonPosition" ADD CONSTRAINT "LessonPosition_learnerId_fkey" FOREIGN KEY ("learnerId") REFERENCES "Learner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

