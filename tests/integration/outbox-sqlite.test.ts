import { outboxScenarios } from "../support/outbox-scenarios";

outboxScenarios("sqlite");
