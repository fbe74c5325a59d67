import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-3xl px-4 py-16 text-center">
      <h1 className="text-2xl font-bold">Not found</h1>
      <p className="mt-2 text-slate-600">There is no such lesson or page.</p>
      <Link className="mt-6 inline-block text-sky-700 underline" href="/">
        See all lessons
      </Link>
    </div>
  );
}
