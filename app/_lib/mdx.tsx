import { evaluate } from "@mdx-js/mdx";
import * as runtime from "react/jsx-runtime";
import remarkFrontmatter from "remark-frontmatter";
import { visit } from "unist-util-visit";
import type { Code, Image, Link, Root } from "mdast";
import type { MdxJsxAttribute } from "mdast-util-mdx-jsx";
import type { AnchorHTMLAttributes, ReactElement, ReactNode } from "react";
import { isGraded, type Lesson, isElement, isInterrupting, isRunnable, isSetupBlock, relativeAsset } from "@dockyard/contract/server";
import { CodeBlock } from "../_components/CodeBlock";
import { CheckPanel } from "../_components/CheckPanel";
import { StepSection } from "../_components/LessonSteps";
import { QuizPanel } from "../_components/QuizPanel";
import { StepSetup } from "../_components/StepSetup";
import { HintReveal, SolutionReveal, StepHelp } from "../_components/StepHelp";

// Renders a lesson's MDX with Dockyard's authoring components. ```check, ```sh wrong and ```sh setup blocks are for
// the lab-runner and lessons:test and are not shown; ```sh run blocks become buttons that type the command into
// the terminal; other blocks can be copied. Files beside the lesson are served from /lessons/<slug>/assets/.

export interface LearnerState {
  passed: Set<string>;
  help: Map<string, { hints: number; solution: boolean }>;
}

const attribute = (name: string, value: string): MdxJsxAttribute => ({ type: "mdxJsxAttribute", name, value });

function remarkLessonAuthoring(slug: string) {
  return () => (tree: Root) =>
    visit(tree, (node) => {
      if (node.type === "code") {
        const code = node as Code;
        const hidden = code.lang === "check" || (code.meta ?? "").split(/\s+/).includes("wrong") || isSetupBlock(code);
        code.data = {
          ...code.data,
          hProperties: {
            "data-lang": code.lang ?? "",
            "data-run": isRunnable(code) ? "1" : "",
            "data-interrupt": isInterrupting(code) ? "1" : "",
            "data-hidden": hidden ? "1" : "",
          },
        };
      }
      if (node.type === "image" || node.type === "link") {
        const target = node as Image | Link;
        const asset = relativeAsset(target.url);
        if (asset) target.url = `/lessons/${slug}/assets/${asset}`;
      }
      if (isElement(node) && node.name === "Step") {
        const hints: (typeof node)[] = [];
        visit(node, (n) => {
          if (isElement(n) && n.name === "Hint") hints.push(n);
        });
        hints.forEach((hint, i) => hint.attributes.push(attribute("index", String(i)), attribute("total", String(hints.length))));
        const stepId = node.attributes.find((a) => a.type === "mdxJsxAttribute" && a.name === "id")?.value;
        visit(node, (n) => {
          if (isElement(n) && n.name === "Quiz") n.attributes.push(attribute("step", String(stepId)));
        });
      }
    });
}

type CodeProps = { "data-lang"?: string; "data-run"?: string; "data-interrupt"?: string; "data-hidden"?: string; children?: ReactNode };

/** A lesson's link inside another site's frame: to anywhere but a place on the page, in a new tab, since the frame shows this lesson only. */
function EmbeddedLink({ href, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement>) {
  if (href?.startsWith("#"))
    return (
      <a href={href} {...rest}>
        {children}
      </a>
    );
  return (
    <a href={href} {...rest} target="_blank" rel="noopener">
      {children}
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  );
}

/** `embedded`: for a frame on another site (app/embed), where links open in a new tab. */
export async function renderLesson(lesson: Lesson, learner: LearnerState, { embedded = false } = {}): Promise<ReactNode> {
  const { default: Content } = await evaluate(lesson.source, {
    ...runtime,
    remarkPlugins: [remarkFrontmatter, remarkLessonAuthoring(lesson.slug)],
  });

  // node: only when the <Step> names one; its run blocks then type into that node's terminal (data-step-node).
  function Step({ id, title, node, children }: { id: string; title: string; node?: string; children: ReactNode }) {
    const index = lesson.steps.findIndex((s) => s.id === id);
    const step = lesson.steps[index]!;
    const passed = learner.passed.has(id);
    return (
      <StepSection
        step={id}
        id={`step-${id}`}
        data-testid={`step-${id}`}
        data-step-node={node}
        className="not-prose my-8 rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
      >
        <h2 className="text-lg font-semibold">
          <span className="mr-2 text-sky-700">Step {index + 1}</span>
          {title}
          {isGraded(step) && passed && <span className="sr-only"> (complete)</span>}
        </h2>
        {step.setup && <StepSetup lesson={lesson.slug} step={id} />}
        <StepHelp lesson={lesson.slug} step={id} used={learner.help.get(id) ?? { hints: 0, solution: false }}>
          <div className="prose prose-slate mt-3 max-w-none">{children}</div>
          {step.checks.length > 0 && <CheckPanel lesson={lesson.slug} step={id} initiallyPassed={passed} />}
        </StepHelp>
      </StepSection>
    );
  }

  function Hint({ index, total, children }: { index: string; total: string; children: ReactNode }) {
    return (
      <HintReveal index={Number(index)} total={Number(total)}>
        {children}
      </HintReveal>
    );
  }

  function Solution({ children }: { children: ReactNode }) {
    return <SolutionReveal>{children}</SolutionReveal>;
  }

  // What the quiz asks comes from the parsed lesson, which holds the right answers back from the browser.
  function Quiz({ step: id }: { step: string }) {
    const quiz = lesson.steps.find((s) => s.id === id)!.quiz!;
    const { question, options, correct } = quiz;
    return (
      <QuizPanel lesson={lesson.slug} step={id} question={question} options={options} several={correct.length > 1} initiallyPassed={learner.passed.has(id)} />
    );
  }

  function Pre({ children }: { children?: ReactNode }) {
    const code = children as ReactElement<CodeProps>;
    const props = code?.props ?? {};
    if (props["data-hidden"] === "1") return null;
    const text = String(props.children ?? "").replace(/\n$/, "");
    return <CodeBlock code={text} runnable={props["data-run"] === "1"} interrupt={props["data-interrupt"] === "1"} />;
  }

  // Options are read from the parsed quiz (above), so their elements render nothing themselves.
  return <Content components={{ Step, Hint, Solution, Quiz, Option: () => null, pre: Pre, ...(embedded && { a: EmbeddedLink }) }} />;
}
