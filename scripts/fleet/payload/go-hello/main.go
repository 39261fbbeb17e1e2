// hello: the go-distroless payload of pare's test fleet (stdlib only).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("hello from go %d\n", os.Getuid())
}
