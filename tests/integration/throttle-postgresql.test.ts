import { throttleScenarios } from "../support/throttle-scenarios";

throttleScenarios("postgresql");
