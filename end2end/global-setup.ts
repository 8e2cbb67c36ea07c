import { LARGE_PEOPLE, SAMPLE_PEOPLE, SMALL_PEOPLE, sampleNetwork } from "./tests/helpers";

/** Makes the sample networks the large-network journeys store, outside any test's timeout. */
export default async function globalSetup() {
  await sampleNetwork(SAMPLE_PEOPLE);
  await sampleNetwork(LARGE_PEOPLE);
  await sampleNetwork(SMALL_PEOPLE);
}
