import { table } from "../markdown.js";

/** The closing table: what each merge assumes and costs, and where the examples use it. */
export function summarySection(): string {
  return [
    "## Which merge",
    "",
    table(
      ["merge", "assumes", "cost", "in the examples"],
      ["l", "l", "l", "l"],
      [
        [
          "`add`",
          "inputs share one channel space",
          "none; the next conv reads C channels",
          "ResNet, LSTM cell state, U-Net variant",
        ],
        [
          "`concat`",
          "inputs are different features",
          "the next conv reads n·C channels: n times its kernel params and MACs",
          "U-Net, DenseNet, CPN RefineNet",
        ],
        ["`weightedAdd`", "one space, learned importance per input", "n weights (+ 1 bias)", "HED's fusion"],
        [
          "`conv1x1Add`",
          "one space after a 1x1 projection",
          "a 1x1 conv per projected input",
          "FPN, CPN GlobalNet",
        ],
      ],
    ),
  ].join("\n");
}
