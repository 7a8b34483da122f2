module clk

go 1.26
