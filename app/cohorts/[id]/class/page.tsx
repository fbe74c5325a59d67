import Link from "next/link";
import { enforceReview, teachingOf } from "@/app/_lib/review";
import { ClassView } from "./ClassView";

export const dynamic = "force-dynamic";

// The instructor's live class view of a cohort: where each student is, their last check, and who is stuck, with
// a live view of any student's terminal. For the cohort's instructor and admins.

export default async function ClassPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const teaching = await teachingOf(id);
  enforceReview(teaching);
  return (
    <div className="px-4 py-4">
      <Link className="text-sm text-sky-700 underline" href={`/cohorts/${id}`}>
        Back to {teaching.cohort.name}
      </Link>
      <h1 className="mt-1 text-2xl font-bold">Class: {teaching.cohort.name}</h1>
      <ClassView cohortId={id} />
    </div>
  );
}
