// Fan-in and fan-out of a weight from its ONNX layout and the attributes of
// the node that consumes it (INIT_REFERENCE §2). ∏k is the product of the
// kernel (spatial) dims, g the `group` attribute (default 1).
//
//   Gemm B, transB=0 [K, N]        fi = K            fo = N
//   Gemm B, transB=1 [N, K]        fi = K            fo = N
//   Gemm A (initializer) [M, K], transA=1 [K, M]:  fi = K, fo = M
//   MatMul input 1 [..., K, N]     fi = K            fo = N   (leading dims are
//   batch) MatMul input 0 [..., M, K]     fi = K            fo = M   (Y = W·X)
//   MatMul rank-1 operand [K]      fi = K            fo = 1
//   Conv W [M, C/g, k...]          fi = (C/g)·∏k     torch: fo = M·∏k
//                                                    semantic: fo = (M/g)·∏k
//   ConvTranspose W [C, M/g, k...] torch:    fi = (M/g)·∏k   fo = C·∏k
//                                  semantic: fi = (C/g)·∏k   fo = (M/g)·∏k
//   LSTM/GRU/RNN, G gates (4/3/1) of hidden size H, per direction and gate:
//     W [D, G·H, I]  fi = I   fo = H      R [D, G·H, H]  fi = H   fo = H
//     B [D, 2·G·H]   fi = H   fo = H      P [D, 3·H]     fi = H   fo = H
//     (H from the hidden_size attribute, else dim 1 / G)
//   com.microsoft Attention weight [E, 3·E'] (packed Q, K, V), per block:
//     fi = E, fo = E'   (bias [3·E']: the weight's fans)
//   Einsum operand: fi = ∏ dims of its letters absent from the output
//     (contracted), fo = ∏ dims of its letters in the output and in no other
//     operand (batch letters shared with another operand count in neither)
//
// torch's convention is what torch.nn.init computes on the same tensor
// (it reads dim 1 as "in" and dim 0 as "out", ignoring groups and
// transposition); the semantic one counts the connections each output
// (fan_in) and each input (fan_out) really has in one group. torch is the
// default; both are selectable (FanConvention).
#ifndef ONNX_REINIT_GRAPH_FANS_H_
#define ONNX_REINIT_GRAPH_FANS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "onnx/onnx_pb.h"
#include "strategy/strategy.h"

namespace onnx_reinit {

enum class FanConvention { kTorch, kSemantic };

absl::string_view FanConventionName(FanConvention convention);
[[nodiscard]] absl::StatusOr<FanConvention> ParseFanConvention(
    absl::string_view text);

// Which layout rule applies to a weight slot.
enum class FanRule {
  kNone,  // the role has no fans (embeddings, normalization parameters)
  kGemmA,
  kGemmB,
  kMatMulInput0,
  kMatMulInput1,
  kConv,
  kConvTranspose,
  kLstmW,
  kLstmR,
  kLstmB,
  kLstmP,
  kGruW,
  kGruR,
  kGruB,
  kRnnW,
  kRnnR,
  kRnnB,
  kAttentionWeight,
  kEinsumOperand,  // needs the node's `equation` and the operand's slot
};

// InvalidArgument ("expected rank >= 3, got 2", "group 3 does not divide
// 64 output channels", ...) when the dims do not fit the layout; the caller
// adds the node and tensor names.
[[nodiscard]] absl::StatusOr<Fans> ComputeFans(FanRule rule,
                                               const onnx::NodeProto& node,
                                               absl::Span<const int64_t> dims,
                                               FanConvention convention,
                                               int slot = -1);

// The string attribute `name` of `node`, or "".
std::string StringAttribute(const onnx::NodeProto& node,
                            absl::string_view name);

// The integer-list attribute `name` of `node`, or nullopt when absent.
std::optional<std::vector<int64_t>> IntsAttribute(const onnx::NodeProto& node,
                                                  absl::string_view name);

// The integer attribute `name` of `node`, or `fallback` when absent.
int64_t IntAttribute(const onnx::NodeProto& node, absl::string_view name,
                     int64_t fallback);

}  // namespace onnx_reinit

#endif  // ONNX_REINIT_GRAPH_FANS_H_
