module polysock.dev/polysock

go 1.19
