import { backupScenarios } from "../support/backup-scenarios";

backupScenarios("sqlite", 3470);
