//go:build race

package polysock

const raceEnabled = true
