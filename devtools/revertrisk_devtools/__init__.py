"""Development tools, never imported by the service: a real local MediaWiki with the fixture
history, loopback fakes of the Action API and EventStreams, a throwaway Redis, and a way to run
the real service in a subprocess. Tests, benchmarks and `revertrisk dev-wiki` share them."""
