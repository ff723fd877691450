// The chat page's own script, put in the page's <head> by ui/app.py (inline: nothing is fetched from elsewhere).
// 1. Gradio and Plotly write some of their labels in English whatever the language: tooltips (title), screen-reader
//    labels (aria-label) and Plotly's toolbar. Gradio's translatable texts are given in ui/app.py (GRADIO_VI); the
//    ones it writes as fixed English are replaced here, as they appear.
// 2. A citation mark [n] of an answer opens that answer's sources (collapsed under it) at source n.
(() => {
  "use strict";

  // Gradio's fixed English labels (aria-label and title), in Vietnamese
  const LABELS = {
    "chatbot conversation": "Hội thoại",
    "Loading response": "Đang trả lời",
    "Scroll down": "Cuộn xuống",
    "More tabs": "Các thẻ khác",
    Close: "Đóng",
    "Table actions": "Thao tác với bảng",
    "Copy table data": "Chép dữ liệu của bảng",
    "Copied to clipboard": "Đã chép",
    "Fullscreen": "Toàn màn hình",
    "Exit fullscreen mode": "Thoát toàn màn hình",
    "Open cell menu": "Mở trình đơn của cột",
    "Click to upload or drop files": "Bấm để chọn tệp hoặc thả tệp vào đây",
    "File upload": "Tải tệp lên",
  };
  // a chat message's label: Gradio writes "user's message: " and the message's Markdown source (escapes and all),
  // again whenever the message changes (streaming); the message's text as shown is said instead
  const MESSAGE = /^(user|bot|assistant)'s message: /;
  const ROLE = { user: "Câu hỏi: ", bot: "Trả lời: ", assistant: "Trả lời: " };
  // Gradio's own messages (its toasts: their titles, and what the browser checks before an upload), in Vietnamese;
  // what follows the colon (file names) is kept
  const TOAST_TITLES = { Error: "Lỗi", Warning: "Cảnh báo", Info: "Thông báo", Success: "Xong" };
  const MESSAGES = [
    [
      /^File\(s\) exceed the maximum allowed size of ([\d.]+) ?([KMG]?b):/i,
      (_, size, unit) => `Tệp quá lớn (tối đa ${Number(size).toLocaleString("vi")} ${unit.toUpperCase()}):`,
    ],
  ];

  // a message's label: its text as shown, after who says it; an answer's sources: their title ("Nguồn (2)")
  function labelMessage(el) {
    const title = el.querySelector(".thought-group > .title");
    const text = (title || el).textContent.replace(/\s+/g, " ").trim();
    const vi = title ? text : ROLE[el.dataset.ragRole] + text;
    if (el.getAttribute("aria-label") !== vi) el.setAttribute("aria-label", vi);
  }

  function relabel(el) {
    for (const attr of ["aria-label", "title"]) {
      const value = el.getAttribute(attr);
      if (!value) continue;
      const message = attr === "aria-label" && value.match(MESSAGE);
      if (message) {
        el.dataset.ragRole = message[1];
        labelMessage(el);
      } else if (LABELS[value] !== undefined) {
        el.setAttribute(attr, LABELS[value]);
      }
    }
  }

  function retext(node) {
    const value = node.nodeValue;
    const title = node.parentElement?.closest(".toast-title") && TOAST_TITLES[value.trim()];
    if (title) node.nodeValue = value.replace(value.trim(), title);
    for (const [pattern, vi] of MESSAGES) {
      if (pattern.test(node.nodeValue)) node.nodeValue = node.nodeValue.replace(pattern, vi);
    }
  }

  function sweep(root) {
    if (root.nodeType === Node.TEXT_NODE) return retext(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    relabel(root);
    root.querySelectorAll("[aria-label], [title]").forEach(relabel);
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) retext(texts.currentNode);
  }

  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "attributes") relabel(c.target);
      else if (c.type === "characterData") retext(c.target);
      else c.addedNodes.forEach(sweep);
      // a message whose text changed (rendered, streamed, its sources opened): its label follows
      const node = c.target.nodeType === Node.ELEMENT_NODE ? c.target : c.target.parentElement;
      const message = c.type !== "attributes" && node?.closest("[data-rag-role]");
      if (message) labelMessage(message);
    }
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["aria-label", "title"],
  });

  // Plotly's toolbar and messages in Vietnamese, and no link to plotly.com: registered the moment Gradio's bundle
  // hands Plotly to the page (window.Plotly), before it draws a figure.
  const PLOTLY_VI = {
    moduleType: "locale",
    name: "vi",
    dictionary: {
      Autoscale: "Tự co giãn",
      "Box Select": "Chọn bằng khung",
      "Compare data on hover": "So sánh dữ liệu khi di chuột",
      "Double-click on legend to isolate one trace": "Bấm đúp vào chú giải để chỉ xem một nhóm",
      "Double-click to zoom back out": "Bấm đúp để thu nhỏ lại",
      "Download plot": "Tải hình xuống",
      "Download plot as a PNG": "Tải hình xuống dạng PNG",
      "Lasso Select": "Chọn bằng dây",
      Pan: "Kéo",
      Reset: "Đặt lại",
      "Reset axes": "Đặt lại trục",
      "Reset view": "Đặt lại khung nhìn",
      "Reset views": "Đặt lại các khung nhìn",
      "Show closest data on hover": "Hiện dữ liệu gần nhất khi di chuột",
      "Snapshot succeeded": "Đã chụp hình",
      "Sorry, there was a problem downloading your snapshot!": "Không tải được hình chụp.",
      "Taking snapshot - this may take a few seconds": "Đang chụp hình, có thể mất vài giây",
      "Toggle Spike Lines": "Bật/tắt đường gióng",
      "Toggle show closest data on hover": "Bật/tắt hiện dữ liệu gần nhất khi di chuột",
      Zoom: "Phóng to vùng chọn",
      "Zoom in": "Phóng to",
      "Zoom out": "Thu nhỏ",
      "lat:": "vĩ độ:",
      "lon:": "kinh độ:",
      trace: "nhóm",
    },
    format: {
      days: ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
      shortDays: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => `Tháng ${m}`),
      shortMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => `Th${m}`),
      date: "%d/%m/%Y",
    },
  };
  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: () => plotly,
    set: (value) => {
      plotly = value;
      if (value && value.register && value.setPlotConfig) {
        value.register(PLOTLY_VI);
        value.setPlotConfig({ locale: "vi", displaylogo: false });
      }
    },
  });

  // An answer's [n] (text: answers are shown as text) becomes a link once the sources box under it is there: a
  // Gradio "thought" titled "Nguồn (k)" in the same message row (ui/handlers.sources_message). A click opens the
  // box and shows source n, marked for a moment. Each answer's marks open its own sources.
  const COUNT = /^Nguồn \((\d+)\)$/;
  const MARK = /\[(\d+)\]/g;

  function sourcesOf(row) {
    const title = row && row.querySelector(".thought .title");
    const count = title && title.textContent.trim().match(COUNT);
    return count ? { title, count: Number(count[1]) } : null;
  }

  function linkMarks(row) {
    const sources = sourcesOf(row);
    if (!sources) return;
    for (const content of row.querySelectorAll(".message-content")) {
      if (content.closest(".thought")) continue;
      const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
      const texts = [];
      while (walker.nextNode()) if (!walker.currentNode.parentElement.closest("a")) texts.push(walker.currentNode);
      for (const node of texts) {
        const text = node.nodeValue;
        const parts = [];
        let last = 0;
        for (const m of text.matchAll(MARK)) {
          const n = Number(m[1]);
          if (n < 1 || n > sources.count) continue;
          const link = document.createElement("a");
          link.href = "#";
          link.className = "rag-cite";
          link.dataset.n = String(n);
          link.textContent = m[0];
          link.setAttribute("aria-label", `Xem nguồn ${n}`);
          parts.push(text.slice(last, m.index), link);
          last = m.index + m[0].length;
        }
        if (parts.length) node.replaceWith(...parts, text.slice(last));
      }
    }
  }

  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      document.querySelectorAll("#rag-chat .message-row").forEach(linkMarks);
    });
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });

  function whenThere(find, then, tries = 300) { // (up to ~5 s: a busy machine renders late)
    const el = find();
    if (el) return then(el);
    if (tries > 0) requestAnimationFrame(() => whenThere(find, then, tries - 1));
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest?.("a.rag-cite");
      if (!link) return;
      event.preventDefault();
      const row = link.closest(".message-row");
      const sources = sourcesOf(row);
      if (!sources) return;
      const find = () => row.querySelector(`.thought .rag-source-${link.dataset.n}`);
      if (!find()) sources.title.click();
      whenThere(find, (el) => {
        // the source's top at the top of the chat's scrolled area, then the chat in the window if it is not; again
        // for a few frames, while the opened sources still grow (Gradio draws them, on a busy machine late)
        const place = (frames) => {
          const chat = el.closest(".bubble-wrap");
          const off = chat ? el.getBoundingClientRect().top - chat.getBoundingClientRect().top - 8 : 0;
          if (chat && Math.abs(off) > 2) chat.scrollTop += off;
          el.scrollIntoView({ block: "nearest" });
          if (frames > 0) requestAnimationFrame(() => place(frames - 1));
        };
        place(30);
        el.classList.remove("rag-flash");
        void el.offsetWidth; // restarts the animation on a second click
        el.classList.add("rag-flash");
        el.focus({ preventScroll: true });
      });
    },
    true,
  );
})();
