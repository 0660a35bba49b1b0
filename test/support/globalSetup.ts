// Placeholder replaced by the services work (issue 3): brings development services up for integration tests.
export default function setup(): void {}
