import { identityScenarios } from "../support/identity-scenarios";

identityScenarios("postgresql");
