module example.com/pare/hello

go 1.19
