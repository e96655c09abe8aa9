module polysock.dev/examples

go 1.19

require polysock.dev/polysock v0.0.0

replace polysock.dev/polysock => ../../bindings/go
