import { apiError } from "@/app/_lib/api";

// Any path under /api/ that no route serves: a JSON 404 whatever the method. (Next's own answer would be an HTML
// page, or a bare 500 for a multipart POST, which it takes for a server action.)

const notFound = () => apiError("not_found", "There is no such API route.");
export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
