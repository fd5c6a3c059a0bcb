-- CreateTable
CREATE TABLE "Deployment" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "patternName" TEXT NOT NULL,
    "patternId" TEXT,
    "patternVersion" INTEGER,
    "text" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "target" TEXT NOT NULL,
    "mesh" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'deploying',
    "endpoints" TEXT NOT NULL DEFAULT '{}',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeploymentRun" (
    "id" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "actorId" TEXT,
    "patternVersion" INTEGER,
    "ok" BOOLEAN,
    "changed" BOOLEAN NOT NULL DEFAULT false,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "errorHint" TEXT,
    "outcomes" TEXT NOT NULL DEFAULT '[]',
    "summary" TEXT NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "DeploymentRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Deployment_patternName_idx" ON "Deployment"("patternName");

-- CreateIndex
CREATE INDEX "Deployment_patternId_idx" ON "Deployment"("patternId");

-- CreateIndex
CREATE INDEX "Deployment_createdById_idx" ON "Deployment"("createdById");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_target_mesh_name_key" ON "Deployment"("target", "mesh", "name");

-- CreateIndex
CREATE INDEX "DeploymentRun_deploymentId_startedAt_idx" ON "DeploymentRun"("deploymentId", "startedAt");

-- CreateIndex
CREATE INDEX "DeploymentRun_actorId_idx" ON "DeploymentRun"("actorId");

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_patternId_fkey" FOREIGN KEY ("patternId") REFERENCES "Pattern"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentRun" ADD CONSTRAINT "DeploymentRun_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentRun" ADD CONSTRAINT "DeploymentRun_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

