-- AlterTable
ALTER TABLE "CheckAttempt" ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'unknown';

