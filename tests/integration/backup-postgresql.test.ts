import { backupScenarios } from "../support/backup-scenarios";

backupScenarios("postgresql", 3480);
