: h ( a -- b ) dup if 1+
;
