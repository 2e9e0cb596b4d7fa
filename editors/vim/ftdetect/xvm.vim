" Vim file type detection for XVM units and xvm-repl scripts (*.xvm).
autocmd BufRead,BufNewFile *.xvm setfiletype xvm
