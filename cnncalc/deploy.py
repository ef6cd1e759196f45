"""The deployed network: the spec's analysed graph turned into the one a runtime runs, under a runtime
profile's rules (cnncalc/runtimes/, docs/conventions.md "Runtimes").

:func:`deploy` takes an :class:`~cnncalc.analysis.Analysis` and its :class:`~cnncalc.graph.Graph` and
returns the deployed pair: a chain that the runtime runs as one kernel becomes one row (``conv+batchnorm+relu6``)
named after its first layer (the host), whose output is the chain's last tensor; the tensors between them no
longer exist. The figures of a merged row:

* parameters: the host's, plus those of every fused (not folded) member (PReLU's slopes), plus the bias a
  folded batch norm's shift becomes when the host had none (``Layer.folded_bias``); a folded batch norm's γ, β
  and running statistics are gone (its state too);
* MACs: the members' sum (a folded batch norm and an epilogue have none);
* FLOPs: the host's, plus one add per output element for the bias a fold adds, plus every fused member's own
  FLOPs; a folded batch norm's 2 per element are gone (its scale is in the weights, its shift the bias);
* output shape, receptive field and activation elements: the chain's last member's.

Which layers chain is read from the layer types' traits only (``Layer.fuses``, ``takes_fold``, ``clamps``,
``channelwise``, ``weights_per_position``) and the profile's rules; the same analysis code (totals, peak,
roofline) then runs on the result. Imported only when a runtime other than eager is asked for.
"""

from __future__ import annotations

from cnncalc.analysis import Analysis, Row, count
from cnncalc.errors import SpecError
from cnncalc.graph import Graph, Node
from cnncalc.layers.base import EPILOGUE, FOLDS, RESIDUAL
from cnncalc.record import record, replace
from cnncalc.runtimes import REFUSABLE, Runtime
from cnncalc.shapes import product


@record(frozen=False)
class _Chain:
    host: str
    members: list             # row names, host first
    inputs: list              # the chain's inputs from outside it, in order
    folded: list              # the members folded into the host's weights
    fold_open: bool           # a batch norm may still fold (nothing but folds after the host yet)
    residual: bool = False


def deploy(report: Analysis, graph: Graph, runtime: Runtime) -> tuple[Analysis, Graph]:
    """The analysis and graph of the network as ``runtime`` deploys it. A layer the runtime cannot run is a
    SpecError naming it."""
    rows = report.rows
    _refuse(rows, graph, runtime)
    readers: dict = {}
    for row in rows:
        for source in set(row.inputs):
            readers[source] = readers.get(source, 0) + 1
    tied = {row.shares for row in rows if row.shares}
    fold, fuse, residual = runtime.value("fold"), runtime.value("fuse"), runtime.value("residual")
    chains: dict = {}         # the chain's last member → the chain
    for row in rows:
        if row.is_network_input:
            continue
        layer = graph.nodes[row.name].layer
        if layer.takes_fold:
            chains[row.name] = _Chain(row.name, [row.name], list(row.inputs), [],
                                      fold_open=not row.shares and row.name not in tied)
            continue
        kind = layer.fuses
        if not kind:
            continue
        open_inputs = [p for p in dict.fromkeys(row.inputs) if p in chains and readers.get(p) == 1
                       and p != report.output]
        if not open_inputs:
            continue
        chain = chains[open_inputs[0]]
        if kind == FOLDS and len(row.inputs) == 1:
            if not (fold and chain.fold_open and layer.folds_now() and not row.shares and row.name not in tied):
                continue
            chain.folded.append(row.name)
        elif kind == EPILOGUE and len(row.inputs) == 1:
            if fuse == "none" or fuse == "clamp" and not layer.clamps:
                continue
            chain.fold_open = False
        elif kind == RESIDUAL and len(set(row.inputs)) == 2:
            if not residual or chain.residual:
                continue
            chain.fold_open, chain.residual = False, True
            chain.inputs += [p for p in row.inputs if p != open_inputs[0] and p not in chain.inputs]
        else:
            continue
        del chains[open_inputs[0]]
        chain.members.append(row.name)
        chains[row.name] = chain

    merged = {last: chain for last, chain in chains.items() if len(chain.members) > 1}
    alias = {last: chain.host for last, chain in merged.items()}
    absorbed = {name for chain in merged.values() for name in chain.members[:-1]}
    by_name = {row.name: row for row in rows}
    in_place_depthwise = runtime.value("in_place_depthwise")
    deployed_rows, nodes, in_place = [], {}, set()
    for row in rows:
        if row.name in absorbed:
            continue
        chain = merged.get(row.name)
        if chain is None:
            new = row if not any(i in alias for i in row.inputs) else \
                replace(row, inputs=tuple(alias.get(i, i) for i in row.inputs))
        else:
            new = _merged_row(chain, by_name, graph, alias)
        deployed_rows.append(new)
        node = graph.nodes[new.name]
        if new.inputs != node.inputs:
            node = replace(node, inputs=new.inputs)
        nodes[new.name] = node
        if in_place_depthwise and new.inputs and node.layer.channelwise([by_name[i].output_shape for i in
                                                                          graph.nodes[new.name].inputs]):
            in_place.add(new.name)
    output = alias.get(report.output, report.output)
    return _analysis(report, tuple(deployed_rows), output), \
        Graph(nodes=nodes, output=output, instances=graph.instances, in_place=frozenset(in_place),
              folded=frozenset(chain.host for chain in merged.values() if chain.folded))


def _refuse(rows, graph: Graph, runtime: Runtime) -> None:
    refused = runtime.value("refuses")
    if not refused:
        return
    for row in rows:
        node = graph.nodes[row.name]
        for trait in refused:
            if getattr(node.layer, trait, False):
                raise SpecError(f"the runtime '{runtime.name}' cannot run a {row.type} layer: {REFUSABLE[trait]} "
                                f"(cnncalc runtimes {runtime.name})", node.location, row.name)


def _merged_row(chain: _Chain, by_name: dict, graph: Graph, alias: dict) -> Row:
    host, members = by_name[chain.host], [by_name[name] for name in chain.members]
    last = members[-1]
    kept = [m for m in members[1:] if m.name not in chain.folded]
    bias = graph.nodes[host.name].layer.folded_bias(host.output_shape) if chain.folded else 0
    # positional, in Row's field order (name, type, label, inputs, output_shape, params, trainable_params,
    # state, macs, flops, rf, activation_elements, shares)
    return Row(host.name, "+".join(m.type for m in members), "+".join([host.label, *(m.type for m in members[1:])]),
               tuple(alias.get(i, i) for i in chain.inputs), last.output_shape,
               host.params + bias + sum(m.params for m in kept),
               host.trainable_params + (bias if host.trainable_params else 0) + sum(m.trainable_params for m in kept),
               host.state + sum(m.state for m in kept),
               sum(m.macs for m in members),
               host.flops + (product(host.output_shape) if bias else 0) + sum(m.flops for m in kept),
               last.rf, last.activation_elements, host.shares)


def _analysis(report: Analysis, rows: tuple, output: str) -> Analysis:
    """``report`` with the deployed ``rows``: totals and memory counted as cnncalc.analysis counts them."""
    m = report.memory
    totals, memory = count(rows, m.dtype, m.batch, m.input_bytes)
    return replace(report, rows=rows, totals=totals, memory=memory, output=output)
