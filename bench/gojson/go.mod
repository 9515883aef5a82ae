module compose-operator/bench/gojson

go 1.22
