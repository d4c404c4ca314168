// The body of strategy/orthogonal_kernels.h, compiled once per SIMD level:
// included only by orthogonal_kernels_<level>.cc, which first defines
//   ONNX_REINIT_KERNEL_NS  the namespace of its kernels (kernels_<level>)
// and, for a level above the default target, renames Eigen's namespace so
// that none of the Eigen functions it instantiates share a symbol with
// another level's (the linker would otherwise keep one copy of each, maybe
// the one with instructions the CPU lacks). tests/unit/simd_symbols_check.sh
// checks that those objects define no other shared symbols.
#ifndef ONNX_REINIT_KERNEL_NS
#error "define ONNX_REINIT_KERNEL_NS before including orthogonal_kernels_impl.h"
#endif

// Eigen never starts threads of its own: the caller splits the work.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "strategy/orthogonal_kernels.h"

namespace onnx_reinit {
namespace ONNX_REINIT_KERNEL_NS {
namespace {

// Eigen picks its product blocking (and so the order of partial sums) from
// the cache sizes it reads with cpuid on first use; fixed sizes make the bits
// of a level the same on every machine. Eigen keeps them in a function-local
// static of this level's copy of Eigen; thread-safe static initialization
// orders the write before any product.
void FixCacheSizes() {
  static const bool fixed = [] {
    Eigen::setCpuCacheSizes(/*l1=*/32 * 1024, /*l2=*/256 * 1024,
                            /*l3=*/2 * 1024 * 1024);
    return true;
  }();
  (void)fixed;
}

template <typename S>
using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <typename S>
using ConstView = Eigen::Map<const Matrix<S>, 0, Eigen::OuterStride<>>;
template <typename S>
using View = Eigen::Map<Matrix<S>, 0, Eigen::OuterStride<>>;

template <typename S>
void FormT(int64_t m, int64_t ib, const S* v, int64_t ldv, const double* tau,
           S* t) {
  FixCacheSizes();
  const ConstView<S> vb(v, m, ib, Eigen::OuterStride<>(ldv));
  const Eigen::MatrixXd gram = (vb.transpose() * vb).template cast<double>();
  Eigen::MatrixXd td = Eigen::MatrixXd::Zero(ib, ib);
  for (int64_t j = 0; j < ib; ++j) {
    td(j, j) = tau[j];
    if (j == 0) continue;
    const Eigen::VectorXd column =
        td.topLeftCorner(j, j).template triangularView<Eigen::Upper>() *
        gram.col(j).head(j);
    td.col(j).head(j) = -tau[j] * column;
  }
  View<S>(t, ib, ib, Eigen::OuterStride<>(ib)) = td.cast<S>();
}

template <typename S>
void Apply(int64_t m, int64_t ib, const S* v, int64_t ldv, const S* t,
           int64_t w, int64_t zero_rows, S* c, int64_t ldc) {
  FixCacheSizes();
  const ConstView<S> vb(v, m, ib, Eigen::OuterStride<>(ldv));
  const ConstView<S> tb(t, ib, ib, Eigen::OuterStride<>(ib));
  View<S> cb(c, m, w, Eigen::OuterStride<>(ldc));
  const int64_t rest = m - zero_rows;
  const Matrix<S> product =
      vb.bottomRows(rest).transpose() * cb.bottomRows(rest);
  const Matrix<S> scaled = tb.template triangularView<Eigen::Upper>() * product;
  cb.noalias() -= vb * scaled;
}

template <typename S>
void ApplyToIdentity(int64_t m, int64_t ib, const S* v, int64_t ldv, const S* t,
                     S* c, int64_t ldc) {
  FixCacheSizes();
  const ConstView<S> vb(v, m, ib, Eigen::OuterStride<>(ldv));
  const ConstView<S> tb(t, ib, ib, Eigen::OuterStride<>(ib));
  View<S> cb(c, m, ib, Eigen::OuterStride<>(ldc));
  // Vᵀ [I; 0] is the transpose of V's top ib x ib (unit lower triangular).
  const Matrix<S> scaled =
      tb.template triangularView<Eigen::Upper>() * vb.topRows(ib).transpose();
  cb.noalias() = -(vb * scaled);
  cb.topRows(ib).diagonal().array() += S(1);
}

}  // namespace

const BlockReflectorKernels<float> kFloat = {&FormT<float>, &Apply<float>,
                                             &ApplyToIdentity<float>};
const BlockReflectorKernels<double> kDouble = {&FormT<double>, &Apply<double>,
                                               &ApplyToIdentity<double>};

}  // namespace ONNX_REINIT_KERNEL_NS
}  // namespace onnx_reinit
