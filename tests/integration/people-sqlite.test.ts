import { peopleScenarios } from "../support/people-scenarios";

peopleScenarios("sqlite");
