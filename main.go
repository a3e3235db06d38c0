// Command eksnet is a capacity planner for Amazon EKS networking.
package main

import (
	"os"

	"github.com/eksnet/eksnet/cmd"
)

func main() { os.Exit(cmd.Main()) }
