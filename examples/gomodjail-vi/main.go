// The gomodjail README example, for bpfjail: main calls a dependency that,
// besides doing its job, tries to start vi. Run it confined with
//
//	bpfjail run --go-mod go.mod -- ./gomodjail-vi
//
// and the kernel denies the dependency's attempt with EPERM, while main
// still prints the result.
package main

import (
	"fmt"

	"example.com/dependency"
)

func main() {
	fmt.Println("result:", dependency.Double(21))
}
