-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Pattern" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "summary" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    "text" TEXT NOT NULL,
    "searchText" TEXT NOT NULL DEFAULT '',
    "features" TEXT NOT NULL DEFAULT '[]',
    "visibility" TEXT NOT NULL DEFAULT 'private',
    "source" TEXT NOT NULL DEFAULT 'user',
    "version" INTEGER NOT NULL DEFAULT 1,
    "ownerId" TEXT,
    "forkedFromId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Pattern_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Pattern_forkedFromId_fkey" FOREIGN KEY ("forkedFromId") REFERENCES "Pattern" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Pattern" ("category", "createdAt", "description", "forkedFromId", "id", "name", "ownerId", "source", "summary", "tags", "text", "title", "updatedAt", "version", "visibility") SELECT "category", "createdAt", "description", "forkedFromId", "id", "name", "ownerId", "source", "summary", "tags", "text", "title", "updatedAt", "version", "visibility" FROM "Pattern";
DROP TABLE "Pattern";
ALTER TABLE "new_Pattern" RENAME TO "Pattern";
CREATE UNIQUE INDEX "Pattern_name_key" ON "Pattern"("name");
CREATE INDEX "Pattern_ownerId_idx" ON "Pattern"("ownerId");
CREATE INDEX "Pattern_visibility_idx" ON "Pattern"("visibility");
CREATE INDEX "Pattern_category_idx" ON "Pattern"("category");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

