package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", ":80", "address to listen on")
	root := flag.String("root", "/disk", "directory to serve")
	flag.Parse()
	if _, err := os.Stat(*root); err != nil {
		fmt.Printf("httpd: %v\n", err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Printf("httpd: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("httpd: serving %s on %s\n", *root, l.Addr())
	srv := &http.Server{Handler: http.FileServer(http.Dir(*root)), ErrorLog: log.New(os.Stdout, "httpd: ", 0)}
	if err := srv.Serve(l); err != nil {
		fmt.Printf("httpd: %v\n", err)
		os.Exit(1)
	}
}
