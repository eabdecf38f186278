// Package gomod is module go.example.com/gomod: its path starts with "go.",
// like go.uber.org/zap. Before Go 1.20, "go." also prefixes synthetic symbols
// (go.buildid, go.itab.*); a real module with that prefix is still a module.
package gomod

//go:noinline
func Hello(s string) string { return "go.example.com(" + s + ")" }
