import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="empty card">
      <h1>Not found</h1>
      <p>There is nothing here, or it is private. <Link href="/">Back to the catalog</Link></p>
    </div>
  );
}
