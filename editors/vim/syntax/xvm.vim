" Vim syntax file
" Language:    XVM (units and xvm-repl scripts, *.xvm)
" Maintainer:  the XVM project (editors/vim/syntax/xvm.vim)
" Covers: directives (.define_procedure), core operations, tick operations
" ('define), comments (// and /* */), strings, integers (decimal, 0x hex),
" types (int, ref), contracts (requires, ensures), colon commands (:trace)
" and the upper-case names of lattices, keys and their elements.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

" Names are [A-Za-z_][A-Za-z0-9_-]*: extended-machine is one name.
syn iskeyword @,48-57,_,-
syn case match

syn keyword xvmTodo        contained TODO FIXME XXX NOTE
syn match   xvmLineComment "//.*$" contains=xvmTodo,@Spell
syn region  xvmBlockComment start="/\*" end="\*/" contains=xvmTodo,@Spell

syn match   xvmEscape      contained "\\[nt\\\"]"
syn region  xvmString      start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=xvmEscape

syn match   xvmNumber      "\<-\=\d\+\>"
syn match   xvmNumber      "\<-\=0[xX]\x\+\>"

" .define_procedure, .exports, ...: a dot not after a name (port.op is a call).
syn match   xvmDirective   "\k\@1<!\.\h\w*"
" 'push_key, 'define, ...: verification-time operations.
syn match   xvmTick        "'\h\w*"
" :trace, :use, ...: commands of xvm-repl scripts, at the start of a line.
syn match   xvmCommand     "^\s*:\a[A-Za-z-]*"

syn keyword xvmType        int ref
syn keyword xvmContract    requires ensures
syn keyword xvmPort        port
syn keyword xvmConditional if
syn keyword xvmRepeat      while
syn keyword xvmLabel       label
syn keyword xvmControl     jump jump_if jump_unless call return
syn keyword xvmOperation   push pop dup swap over rot pick
syn keyword xvmOperation   add sub mul div mod neg and or xor not shl shr
syn keyword xvmOperation   eq ne lt le gt ge
syn keyword xvmOperation   alloc load store load_ref store_ref size
syn keyword xvmOperation   print emit state_get state_set
" PARITY, HAS_PARITY, EVEN: lattices, keys and elements are upper case.
syn match   xvmConstant    "\<\u[A-Z0-9_]\+\>"
syn match   xvmOperator    "->\|<=\|<"

hi def link xvmTodo         Todo
hi def link xvmLineComment  Comment
hi def link xvmBlockComment Comment
hi def link xvmEscape       SpecialChar
hi def link xvmString       String
hi def link xvmNumber       Number
hi def link xvmDirective    PreProc
hi def link xvmTick         Special
hi def link xvmCommand      Macro
hi def link xvmType         Type
hi def link xvmContract     Keyword
hi def link xvmPort         Keyword
hi def link xvmConditional  Conditional
hi def link xvmRepeat       Repeat
hi def link xvmLabel        Label
hi def link xvmControl      Statement
hi def link xvmOperation    Function
hi def link xvmConstant     Constant
hi def link xvmOperator     Operator

let b:current_syntax = 'xvm'

let &cpo = s:cpo_save
unlet s:cpo_save
