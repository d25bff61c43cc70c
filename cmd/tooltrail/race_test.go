//go:build race

package main

// raceDetector says the tests run under the race detector, where the
// pure-Go SQLite records about seven times slower.
const raceDetector = true
