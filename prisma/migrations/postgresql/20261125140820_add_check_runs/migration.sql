-- CreateTable
CREATE TABLE "CheckRun" (
    "id" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "mesh" TEXT NOT NULL,
    "versions" TEXT NOT NULL DEFAULT '{}',
    "suites" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'running',
    "passed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "errorMessage" TEXT,
    "patternName" TEXT,
    "patternId" TEXT,
    "deploymentId" TEXT,
    "actorId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CheckRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CheckSuiteResult" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "suite" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "specVersion" TEXT NOT NULL,
    "pattern" TEXT,
    "capability" TEXT NOT NULL,
    "passed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "durationMs" INTEGER NOT NULL DEFAULT 0,
    "steps" TEXT NOT NULL DEFAULT '[]',
    "target" TEXT NOT NULL,
    "mesh" TEXT NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CheckSuiteResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CheckFeatureResult" (
    "id" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "mesh" TEXT NOT NULL,
    "feature" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "passed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "runId" TEXT NOT NULL,
    "measuredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CheckFeatureResult_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CheckRun_startedAt_idx" ON "CheckRun"("startedAt");

-- CreateIndex
CREATE INDEX "CheckRun_patternName_startedAt_idx" ON "CheckRun"("patternName", "startedAt");

-- CreateIndex
CREATE INDEX "CheckRun_patternId_idx" ON "CheckRun"("patternId");

-- CreateIndex
CREATE INDEX "CheckRun_deploymentId_idx" ON "CheckRun"("deploymentId");

-- CreateIndex
CREATE INDEX "CheckRun_actorId_idx" ON "CheckRun"("actorId");

-- CreateIndex
CREATE INDEX "CheckSuiteResult_runId_position_idx" ON "CheckSuiteResult"("runId", "position");

-- CreateIndex
CREATE INDEX "CheckSuiteResult_pattern_suite_finishedAt_idx" ON "CheckSuiteResult"("pattern", "suite", "finishedAt");

-- CreateIndex
CREATE INDEX "CheckFeatureResult_runId_idx" ON "CheckFeatureResult"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "CheckFeatureResult_target_mesh_feature_key" ON "CheckFeatureResult"("target", "mesh", "feature");

-- AddForeignKey
ALTER TABLE "CheckRun" ADD CONSTRAINT "CheckRun_patternId_fkey" FOREIGN KEY ("patternId") REFERENCES "Pattern"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CheckRun" ADD CONSTRAINT "CheckRun_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CheckRun" ADD CONSTRAINT "CheckRun_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CheckSuiteResult" ADD CONSTRAINT "CheckSuiteResult_runId_fkey" FOREIGN KEY ("runId") REFERENCES "CheckRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CheckFeatureResult" ADD CONSTRAINT "CheckFeatureResult_runId_fkey" FOREIGN KEY ("runId") REFERENCES "CheckRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

