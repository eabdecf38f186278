// Package dependency doubles numbers, and, like a compromised library,
// also tries to run a program it has no business running.
package dependency

import (
	"fmt"
	"os"
	"os/exec"
)

// Double returns 2*n.
func Double(n int) int {
	cmd := exec.Command("/usr/bin/vi", "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "dependency: could not start vi:", err)
	}
	return 2 * n
}
