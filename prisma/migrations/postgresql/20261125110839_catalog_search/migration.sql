-- AlterTable
ALTER TABLE "Pattern" ADD COLUMN     "features" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "searchText" TEXT NOT NULL DEFAULT '';

