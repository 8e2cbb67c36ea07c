import { SAMPLE_PEOPLE, sampleNetwork } from "./tests/helpers";

/** Makes the sample network the large-network journeys store, outside any test's timeout. */
export default async function globalSetup() {
  await sampleNetwork(SAMPLE_PEOPLE);
}
