/* llvm.h - the LLVM-C functions the native tier uses, loaded with dlopen
 * (llvm.c), so a process that never compiles never loads LLVM.
 *
 * The declarations come from llvm-14-dev's headers; the calls go through a
 * table of function pointers: LLVM(BuildAdd)(b, x, y, "") calls
 * LLVMBuildAdd. */
#ifndef XVM_LLVM_H
#define XVM_LLVM_H

#include "base.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/InstCombine.h>
#include <llvm-c/Transforms/Scalar.h>
#include <llvm-c/Transforms/Utils.h>

/* Every LLVM-C function used, without its LLVM prefix. */
#define LLVM_FUNCTIONS(X)                                                                                  \
    X(OrcCreateLLJITBuilder) X(OrcCreateLLJIT) X(OrcLLJITGetMainJITDylib) X(OrcLLJITAddLLVMIRModule)        \
    X(OrcLLJITLookup) X(OrcCreateNewThreadSafeContext) X(OrcThreadSafeContextGetContext)                  \
    X(OrcDisposeThreadSafeContext) X(OrcCreateNewThreadSafeModule) X(GetErrorMessage)                      \
    X(DisposeErrorMessage) X(ModuleCreateWithNameInContext) X(DisposeModule) X(VerifyModule)               \
    X(DisposeMessage) X(Int1TypeInContext) X(Int8TypeInContext) X(Int32TypeInContext)                    \
    X(Int64TypeInContext) X(VoidTypeInContext) X(PointerType) X(FunctionType) X(AddFunction)              \
    X(AppendBasicBlockInContext) X(CreateBuilderInContext) X(PositionBuilderAtEnd) X(DisposeBuilder)       \
    X(GetInsertBlock) X(GetBasicBlockTerminator) X(GetParam) X(ConstInt) X(ConstNull) X(BuildAlloca)      \
    X(BuildLoad2) X(BuildStore) X(BuildAdd) X(BuildSub) X(BuildMul) X(BuildSDiv) X(BuildSRem)             \
    X(BuildUDiv) X(BuildURem) X(BuildAnd) X(BuildOr) X(BuildXor) X(BuildNot) X(BuildShl) X(BuildAShr)     \
    X(BuildLShr) X(BuildICmp) X(BuildZExt) X(BuildTrunc) X(BuildBr) X(BuildCondBr) X(BuildRet)            \
    X(BuildCall2) X(BuildGEP2) X(BuildIntToPtr) X(BuildPtrToInt) X(BuildSelect) X(BuildUnreachable)       \
    X(SetVolatile) X(GetEnumAttributeKindForName) X(CreateEnumAttribute) X(AddAttributeAtIndex)           \
    X(DisposePassManager) X(PrintModuleToString) X(SetLinkage) X(SetTarget) X(SetDataLayout)              \
    X(OrcLLJITGetTripleString) X(OrcLLJITGetDataLayoutStr) X(BuildPhi) X(AddIncoming) X(BuildSwitch)     \
    X(AddCase) X(AddLowerExpectIntrinsicPass) X(AddPromoteMemoryToRegisterPass)                          \
    X(AddInstructionCombiningPass) X(AddCFGSimplificationPass) X(AddEarlyCSEPass)                         \
    X(CreateFunctionPassManagerForModule) X(InitializeFunctionPassManager) X(RunFunctionPassManager)      \
    X(FinalizeFunctionPassManager)

typedef struct LlvmApi {
#define LLVM_MEMBER(f) __typeof__(&LLVM##f) f;
    LLVM_FUNCTIONS(LLVM_MEMBER)
#undef LLVM_MEMBER
} LlvmApi;

extern LlvmApi llvm_api;
#define LLVM(f) (llvm_api.f)

/* Load libLLVM-14.so.1 and initialise the native target, once; later
 * calls return the first answer.  NULL when ready, else why not. */
const char *llvm_load(void);

#endif
