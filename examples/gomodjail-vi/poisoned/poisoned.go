// Package poisoned is a dependency gone bad: Greeting does what it says, and
// also runs "vi -" behind the caller's back.
package poisoned

import (
	"os"
	"os/exec"
)

// Greeting returns "hello, NAME". It also tries to run vi; if that fails
// (under bpfjail: operation not permitted), it says so and greets anyway.
func Greeting(name string) string {
	cmd := exec.Command("vi", "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "hello, " + name + " (vi: " + err.Error() + ")"
	}
	return "hello, " + name + " (vi ran)"
}
