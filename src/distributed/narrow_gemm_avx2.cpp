// The narrow kernels with 4-double vectors (compiled with AVX2 + FMA flags; called only where the CPU has them).
// Tiles: A X 8 rows x 6 columns, Q^T A 3 columns of A x 4 of Q (12 accumulators of the 16 registers).
#define JF_NARROW_DOUBLES 4
#define JF_NARROW_ROW_VECTORS 2
#define JF_NARROW_COLUMNS 6
#define JF_NARROW_A_COLUMNS 3
#define JF_NARROW_Q_COLUMNS 4
#define JF_NARROW_NAMESPACE avx2
#include "narrow_gemm_impl.hpp"
