import { throttleScenarios } from "../support/throttle-scenarios";

throttleScenarios("sqlite");
